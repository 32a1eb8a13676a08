"""The model benchmark: every preset that no paper reproduction runs, at its own default length,
and each variant switch against the preset it modifies, over seeds (`gankit reproduce
benchmark`); its page, built from the collected runs (`gankit report build`).

study.py is what it trains, notes.py where each recipe differs from the paper it cites,
trials.py the trials, budget.py the runs' periodic evaluations placed in training time,
page.py the page, run.py the command's work."""
