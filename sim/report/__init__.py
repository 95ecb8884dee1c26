"""The report layer: the offline report page, its data, figures and style, sweep pages, PNG
export and the generated inputs table of docs/model.md. Built from result files alone."""
