"""Botilbud (supported residential care) and skæv bolig (alternative housing): routes with their
own finite places, first-come queues and stays; a citizen who leaves a place leaves the model."""

from __future__ import annotations

from sim.model import shelter
from sim.model.citizen import Citizen
from sim.model.population import close_spell
from sim.model.view import CityView


def await_place(city: CityView, c: Citizen, route: str):
    """Generator: wait (homeless) in the route's queue until a place is granted."""
    places = city.pools[f"{route}_places"]
    claim = places.acquire()
    c.claim = (places, claim, 1.0)
    yield claim
    c.claim = None
    close_spell(city, c)


def stay(city: CityView, c: Citizen, route: str, at_start: bool = False):
    """Generator: live in the place for a stay, then move on out of the model."""
    cfg = getattr(city.cfg, route)
    shelter.leave(city, c, route)
    city.rec.move(c, f"in_{route}")
    city.rec.emit(c, f"{route}_enter")
    u = city.draw[f"{route}_stay"]()
    draw = city.dur.residual if at_start else city.dur
    length = draw(cfg.stay_days_mean, u)
    yield city.env.timeout(length)
    city.rec.emit(c, f"{route}_leave")
    city.pools[f"{route}_places"].release()
    city.rec.leave(c, f"moved_on_from_{route}")
