"""The analyst console's logic, independent of the web framework and the database: who may do
what, how the queue is ordered, how cues are highlighted, how the audit chain and evidence
bundles are checked. The web app (`tidewatch.web`) and the CLI call these; they do no I/O
except where a module says so (evidence bundles on disk, screenshots)."""
