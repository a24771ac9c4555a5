"""简体中文 for the feedback of `check` and `lossedu grade` (messages, case labels, usual mistakes): {English text: 中文}."""

FEEDBACK: dict[str, str] = {
}
