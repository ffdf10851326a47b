// replaced by the UI issue
