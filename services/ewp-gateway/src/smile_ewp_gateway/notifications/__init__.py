"""Change notifications: partners' CNRs queued for fetching, SMILE's own CNRs and updates sent from a queue."""
