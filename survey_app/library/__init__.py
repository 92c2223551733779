"""Questionnaires staff design in a spreadsheet (XLSForm): kept in the database, versioned,
published, and written out again. The files under questionnaires/ are the built-in ones."""
