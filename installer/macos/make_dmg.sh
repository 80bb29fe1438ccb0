#!/usr/bin/env bash
# Makes dist/installer/RosterSync-<version>.dmg from the PyInstaller build dist/RosterSync.app.
#
# Run on macOS from the repository root, after `pyinstaller --noconfirm build.spec`.
# Needs: macOS with the Xcode Command Line Tools (codesign, hdiutil, xcrun); bash 3.2 is enough.
# Optional environment:
#   CODESIGN_IDENTITY  a "Developer ID Application: NAME (TEAMID)" identity in a keychain, set
#                      also while building (build.spec signs the app with it, hardened
#                      runtime): checks the app's signature and signs the .dmg. Unset: unsigned.
#   NOTARY_PROFILE     a profile saved by `xcrun notarytool store-credentials`: notarizes and
#                      staples the .dmg. Needs CODESIGN_IDENTITY.
#   NOTARY_KEYCHAIN    the keychain holding that profile, when it is not the default keychain.
set -euo pipefail

APP=dist/RosterSync.app
OUT_DIR=dist/installer
identity=${CODESIGN_IDENTITY:-}
notary_profile=${NOTARY_PROFILE:-}
notary_keychain=${NOTARY_KEYCHAIN:-}

die() {
    echo "make_dmg.sh: $*" >&2
    exit 1
}

[[ $(uname -s) == Darwin ]] || die "run this on macOS."
[[ -d $APP ]] || die "$APP not found; build it first: pyinstaller --noconfirm build.spec"
if [[ -n $notary_profile && -z $identity ]]; then
    die "NOTARY_PROFILE needs CODESIGN_IDENTITY: Apple notarizes only signed apps."
fi

version=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$APP/Contents/Info.plist")
[[ -n $version ]] || die "$APP/Contents/Info.plist has no CFBundleShortVersionString."
dmg="$OUT_DIR/RosterSync-$version.dmg"

if [[ -n $identity ]]; then
    # PyInstaller signed each binary and the app while building (build.spec reads the same
    # CODESIGN_IDENTITY, with installer/macos/entitlements.plist): check, do not re-sign.
    echo "Checking the signature of $APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

# After signing, so a signed app is tested as it ships: the hardened runtime can break it.
echo "Self-test of $APP"
"$APP/Contents/MacOS/RosterSync" --self-test

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
ditto "$APP" "$staging/RosterSync.app"  # ditto keeps symlinks, attributes and the signature
ln -s /Applications "$staging/Applications"
mkdir -p "$OUT_DIR"
hdiutil create -volname RosterSync -srcfolder "$staging" -ov -format UDZO "$dmg"

if [[ -n $identity ]]; then
    codesign --force --timestamp --sign "$identity" "$dmg"
    codesign --verify --strict --verbose=2 "$dmg"
fi

if [[ -n $notary_profile ]]; then
    keychain_args=()
    if [[ -n $notary_keychain ]]; then
        keychain_args=(--keychain "$notary_keychain")
    fi
    echo "Notarizing $dmg (this waits for Apple's answer)"
    # The ${a[@]+...} form: bash 3.2 with set -u rejects "${a[@]}" for an empty array.
    xcrun notarytool submit "$dmg" --keychain-profile "$notary_profile" \
        ${keychain_args[@]+"${keychain_args[@]}"} --wait
    # Stapling fails when Apple rejected the submission, so a rejected .dmg stops the script;
    # `xcrun notarytool log <submission id> --keychain-profile ...` says why.
    xcrun stapler staple "$dmg"
fi

echo "Made $dmg"
