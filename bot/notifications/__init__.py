"""Customer notifications: drafts from templates, CSAM approval, delivery exactly once."""
