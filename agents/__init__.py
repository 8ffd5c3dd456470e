"""Partner agencies, the members they placed, and the contact-number rules."""
