"""Importing a team's spreadsheet backlog (Airtable, Google Sheets, Excel, Notion,
Trello or Jira exports) into hypotheses, with their scores.

The steps, each in a module of its own: the file is read with the feedback
import's reader (`reading`); its columns are matched to a hypothesis's fields
(`columns`) and its status words to the pipeline's statuses (`statuses`); each
row is cleaned on its own (`rows`, with `people`, `dates`, `statements` and
`sheet_scores`) outside any transaction; then, in one transaction, every clean
row is planned against what is stored (`stored`, `planning`, with `merging` for
rows imported before and `references` for pages and tags) and written in bulk
(`writing`, `bulk`). The report says what happened to each row (`report`).
`importing` takes a person through the steps; `running` runs the import.
"""
