"""Importing a team's spreadsheet backlog (Airtable, Google Sheets, Excel, Notion,
Trello or Jira exports) into hypotheses, with their scores.

The steps, each in a module of its own: the file is read with the feedback
import's reader (`reading`); its columns are matched to a hypothesis's fields
(`columns`) and its status words to the pipeline's statuses (`statuses`); each
row is cleaned on its own (`rows`, with `people`, `dates`, `statements` and
`sheet_scores`) outside any transaction; then every clean row is written in one
transaction (`writing`, with `merging` for rows imported before), and the
report says what happened to each row (`report`). `importing` runs the steps.
"""
