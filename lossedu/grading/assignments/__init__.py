"""One module per assignment; each defines ASSIGNMENT (see lossedu.grading.spec)."""
