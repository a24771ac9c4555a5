"""简体中文 for the figures and widgets of lossedu.plot and lossedu.lessons: {English text: 中文}."""

PLOT: dict[str, str] = {
}
