"""The notifying half of the AI secretary: profiles, matching new items, alerts, digests, channels."""
