"""results/report.html: sections, figures and rendering."""
