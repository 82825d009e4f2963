"""Editing a workshop's plan in the browser: the edit (validated by the plan loader, then
by the rules only a running workshop has), its history, and the editor's pages."""
