"""Service level by a named definition: each with its formula, as docs/figures.md gives it.

Every definition counts an answered call as within the threshold when it waited *at most*
the threshold (Asterisk's ``<=``), its wait being the PBX's own hold time when the feed gave
one. They differ in the denominator.
"""

from __future__ import annotations

from dataclasses import dataclass

from floorapp.i18n import N_, _


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    formula: str  # in words, with {threshold}; a catalog message, worded per reader


DEFINITIONS: dict[str, Definition] = {
    d.name: d
    for d in (
        Definition("asterisk", N_("answered within {threshold} / answered")),
        Definition("offered", N_("answered within {threshold} / (answered + abandoned)")),
        Definition(
            "offered_excluding_short",
            N_("answered within {threshold} / (answered + abandoned - short abandons)"),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    definition: str
    threshold_s: int
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def formula(self) -> str:
        """In English, as ``--json`` gives it: ``answered within 20 s / answered``."""
        return DEFINITIONS[self.definition].formula.format(threshold=f"{self.threshold_s} s")

    def formula_words(self) -> str:
        """The formula in the reader's language."""
        from floorapp import words

        return _(DEFINITIONS[self.definition].formula).format(
            threshold=words.seconds(self.threshold_s)
        )

    def label(self) -> str:
        """``SL20 75 %`` (a dash before any call counts)."""
        return f"SL{self.threshold_s} {self.percent()}"

    def percent(self) -> str:
        """``75 %``, ``62.5 %``: one decimal as Asterisk's ``queue show`` prints, dropped
        when it is zero."""
        v = self.value
        if v is None:
            from floorapp.i18n import MARKS

            return MARKS.dash  # an em dash is two cells wide on a Chinese terminal
        text = f"{v * 100:.1f}"
        return (text[:-2] if text.endswith(".0") else text) + " %"

    def as_json(self) -> dict[str, object]:
        v = self.value
        return {
            "definition": self.definition,
            "formula": self.formula,
            "threshold_s": self.threshold_s,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if v is None else round(v * 100, 2),
        }


def compute(
    definition: str,
    threshold_s: int,
    *,
    answered: int,
    in_sl: int,
    unanswered: int,
    short_abandons: int,
) -> ServiceLevel:
    """``unanswered`` is every call that left the queue without an answer (abandoned, exit with
    key, timed out, exit empty); calls still waiting count in no definition."""
    if definition not in DEFINITIONS:
        raise ValueError(
            f"unknown service-level definition {definition!r} (known: {', '.join(DEFINITIONS)})"
        )
    if definition == "asterisk":
        den = answered
    elif definition == "offered":
        den = answered + unanswered
    else:
        den = answered + unanswered - short_abandons
    return ServiceLevel(definition, threshold_s, in_sl, den)
