"""Release metadata of a built dataset: the card and Croissant."""
