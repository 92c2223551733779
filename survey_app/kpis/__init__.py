"""The board's quarterly performance report: the strategy's KPIs, recorded crime from the police's
files, figures entered by data owners, exact statistics for counts, dashboards and the board paper."""
