"""The audit log: who did what to which record in the producer portal and the back office,
with the values before and after."""
