"""The bundled demo district in a throwaway profile: what ``rostersync --demo`` runs against."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.settings import ConnectionSettings
from app.sync.matching import suggest_mapping


def demo_connection(server: DemoServer) -> ConnectionSettings:
    return ConnectionSettings(
        enabled=True,
        base_url=server.base_url,
        token_url=server.token_url,
        client_id=server.client_id,
    )


class DemoSession:
    """Starts the demo server and makes an empty profile folder; both go away on exit."""

    def __init__(self, users: int = 1500, seed: int = 1) -> None:
        self.district = DemoDistrict(users=users, seed=seed)
        self.server = DemoServer(self.district, port=0)
        self._folder: Path | None = None

    def connection(self) -> ConnectionSettings:
        """The demo's connection values, as a person would type them in the wizard."""
        return demo_connection(self.server)

    def set_up(self, context: AppContext, server: DemoServer | None = None) -> None:
        """Save what the wizard would for the demo: the connection (to ``server``, else the
        demo's own), its secret, the district's local sites and each school mapped to the site
        suggested for it: set up."""
        server = server or self.server
        context.directory.add_sites(self.district.local_site_names)
        context.secrets.save(server.client_secret)
        context.settings.connection = demo_connection(server)
        context.save_settings()
        with context.client() as client:
            context.directory.save_schools(client.schools())
        schools = [(school.sourced_id, school.name) for school in context.directory.schools()]
        for pair in suggest_mapping(schools, self.district.local_site_names):
            context.directory.map_school(pair.school_id, pair.site_name)

    @property
    def profile(self) -> Profile:
        assert self._folder is not None, "the demo session is not running"
        return Profile(self._folder)

    def __enter__(self) -> Self:
        self._folder = Path(tempfile.mkdtemp(prefix="rostersync-demo-"))
        self.server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.stop()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
