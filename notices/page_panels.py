"""What apps above notices add to a letter's page (outreach: the messages sent about the letter):
providers take (*, notice, user); see core.page_panels."""
from core.page_panels import PanelRegistry

letter_panels = PanelRegistry()
register = letter_panels.register
context_for = letter_panels.context_for
