"""Every route of the trips blueprint is an Api event of ApiFunction in template.yaml."""

from __future__ import annotations

from infra.local.template import load


def test_every_trips_route_is_an_api_event() -> None:
    from app import app

    events = load()["Resources"]["ApiFunction"]["Properties"]["Events"]
    declared = {(e["Properties"]["Path"], e["Properties"]["Method"].upper())
                for e in events.values() if e.get("Type") == "Api"}
    routes = {(path, method) for path, entries in app.routes.items() for method, entry in entries.items()
              if entry.view_function.__module__ == "chalicelib.trips.routes"}
    assert routes, "the trips blueprint registers no routes"
    assert routes <= declared, f"missing from template.yaml: {sorted(routes - declared)}"
