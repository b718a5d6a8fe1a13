"""Chapter 10: can a model reason, is it fair, who answers for it.

Two tiny GPTs of the same size learn addition from the same problems for the same number
of steps: one is taught the answer alone, the other the steps and then the answer. The
main chart is their accuracy by number of digits on held-out problems; below it a learner
types a problem and sees both models solve it token by token, trains both again live
(shared queue, replayed), and asks SmolLM2 the same kind of problem directly and step by
step. Then a bias probe with controls (SmolLM2 and the tiny GPTs score minimal pairs) and
responsibility made concrete (where the data came from, what a model can repeat, what
training costs). The sections live in ``ui/chapters/ch10/``; this page arranges them.
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch10")

from lm_core.core.errors import InputError  # noqa: E402
from ui.chapters.ch10 import cot, live, smollm2  # noqa: E402
from ui.chapters.ch10.bias import bias_section  # noqa: E402
from ui.chapters.ch10.responsibility import responsibility_section  # noqa: E402
from ui.common import guard, intro, md, projector_on, show_error, t  # noqa: E402

st.title(t("ch10.title"))
if not projector_on():
    intro("ch10/intro")

st.header(t("ch10.cot.header"))
with guard():
    cot.accuracy_section()  # the main chart: first on a projector
if projector_on():
    intro("ch10/intro")
st.markdown(md("ch10/measured"))

st.header(t("ch10.solve.header"))
problem = None
try:
    problem = cot.problem_input()
except InputError as exc:
    show_error(exc)
if problem is not None:
    with guard():
        cot.solve_section(problem)

live.section()

with guard():
    smollm2.section(problem)

with guard():
    bias_section()
with guard():
    responsibility_section()

st.divider()
st.markdown(md("ch10/takeaways"))
