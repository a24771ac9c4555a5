"""简体中文: the catalogue of `lossedu.i18n.tr`, {English text: 中文}, in two parts kept apart so that each can be
reviewed on its own: the figures' and widgets' texts (zh_plot.py) and the feedback of `check` and
`lossedu grade` (zh_feedback.py). Both use the glossary's terms (i18n/zh/glossary.yml)."""
from .zh_feedback import FEEDBACK
from .zh_plot import PLOT

MESSAGES = {**PLOT, **FEEDBACK}
