"""Cases: a home's related alerts as one visit, the steps taken, duties, summaries and exports."""
