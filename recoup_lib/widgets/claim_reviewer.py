"""The claim reviewer widget: one claim at a time, one button per answer, feedback and a score.

A thin front end over :mod:`recoup_lib.widgets._review`, where the deck,
the grading and the score live (and are tested).

CSS classes (for a browser test or a style sheet): the whole widget
``recoup-claim-reviewer``; the claim ``recoup-claim``; each answer button
``recoup-choice`` and ``recoup-choice-<answer>``; ``recoup-next``;
``recoup-feedback``; ``recoup-score``.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ._review import CHOICES, ReviewSession, build_deck, card_html, choice_label

__all__ = ["claim_reviewer", "ClaimReviewer"]


class ClaimReviewer:
    """The widget's parts and handlers (``.widget`` is what a notebook shows).

    Parameters
    ----------
    session : ReviewSession
    """

    def __init__(self, session: ReviewSession):
        self.session = session
        self.claim = w.HTML()
        self.claim.add_class("recoup-claim")
        self.buttons = {}
        for choice in CHOICES:
            button = w.Button(description=choice_label(choice), tooltip=f"Answer: {choice_label(choice)}",
                              layout=w.Layout(width="auto"))
            button.add_class("recoup-choice")
            button.add_class(f"recoup-choice-{choice}")
            button.on_click(lambda _b, c=choice: self.answer(c))
            self.buttons[choice] = button
        self.next_button = w.Button(description="Next claim", button_style="info", icon="arrow-right")
        self.next_button.add_class("recoup-next")
        self.next_button.on_click(lambda _b: self.next())
        self.feedback = w.HTML(value="<i>Pick Clean or the cause you see.</i>")
        self.feedback.add_class("recoup-feedback")
        self.score = w.HTML(value=html.escape(session.score_text()))
        self.score.add_class("recoup-score")
        choices = w.HBox(list(self.buttons.values()), layout=w.Layout(flex_flow="row wrap"))
        self.widget = w.VBox([self.claim, w.HTML("<b>What is wrong with this claim?</b>"), choices,
                              self.feedback, w.HBox([self.next_button, self.score])])
        self.widget.add_class("recoup-claim-reviewer")
        self._show()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _show(self) -> None:
        card = self.session.current
        self.claim.value = (f"<p>Claim {self.session.position + 1} of {len(self.session.deck)}</p>"
                            + card_html(card))

    def answer(self, choice: str):
        """Grade ``choice`` for the current claim and show the feedback (what a button click does)."""
        result = self.session.answer(choice)
        mark, colour = {True: ("&#10004;", "#2e7d32"), False: ("&#10008;", "#c62828"),
                        None: ("&#8505;", "#1f4e79")}[result.correct]
        self.feedback.value = (f"<div style='color:{colour}'><b>{mark}</b> "
                               f"{html.escape(result.feedback)}</div>")
        self.score.value = html.escape(self.session.score_text())
        return result

    def next(self) -> None:
        """Show the next claim (what the *Next claim* button does)."""
        self.session.next()
        self.feedback.value = "<i>Pick Clean or the cause you see.</i>"
        self._show()


def claim_reviewer(source, size: int = 12, seed: int = 0, clean_share: float = 0.4,
                   findings=None, audit=None) -> ClaimReviewer:
    """A claim reviewer over a practice or an office's own folder.

    A generated practice (a folder with labels.csv, or a Practice) is graded
    against its answer key. An office's folder (``recoup import``) has no
    answer key: each claim is shown with what the audit finds on it, and the
    score line says that scoring needs labels.csv.

    Parameters
    ----------
    source : str, pathlib.Path or recoup_lib.synthetic.Practice
    size, seed, clean_share, findings, audit
        As :func:`recoup_lib.widgets._review.build_deck`.

    Returns
    -------
    ClaimReviewer
        Display it as the last value of a cell (it shows its ``widget``);
        ``answer(choice)`` and ``next()`` do what the buttons do.

    Examples
    --------
    >>> reviewer = claim_reviewer("synthetic/demo/family_practice", size=6, seed=1)  # doctest: +SKIP
    >>> reviewer  # doctest: +SKIP
    """
    return ClaimReviewer(ReviewSession(build_deck(source, size=size, seed=seed, clean_share=clean_share,
                                                  findings=findings, audit=audit)))

