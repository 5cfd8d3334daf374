"""The crawling half of the AI secretary: sources → feeds → articles → stored, de-duplicated items."""
