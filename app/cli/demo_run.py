"""``rostersync --demo`` from the command line: every setup step against the demo district.

It drives the same commands a technician would type, in a throwaway profile whose secret comes
from the environment (so nothing is written to the real keyring).
"""

from __future__ import annotations

import os

from app.demo.session import DemoSession
from app.paths import HOME_VARIABLE
from app.secret_store import SECRET_VARIABLE


def run_demo_from_command_line() -> int:
    from app.cli.main import main

    with DemoSession() as demo:
        server = demo.server
        os.environ[HOME_VARIABLE] = str(demo.profile.root)
        os.environ[SECRET_VARIABLE] = server.client_secret
        steps = [
            [
                "connect",
                "--base-url",
                server.base_url,
                "--token-url",
                server.token_url,
                "--client-id",
                server.client_id,
            ],
            ["sites", "add", *demo.district.local_site_names],
            ["map", "--suggest", "--apply"],
            ["sync"],
            ["history"],
        ]
        print(f"Demo district: {demo.district.user_count()} people at {server.base_url}")
        for step in steps:
            print(f"\n$ rostersync {' '.join(_quoted(arg) for arg in step)}")
            code = main(step)
            if code != 0:
                return code
    return 0


def _quoted(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg
