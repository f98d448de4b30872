"""What one process keeps for all its updates: the services container (Deps), the user cache,
batched visit writes, and the leases that let one process of many run a job."""
