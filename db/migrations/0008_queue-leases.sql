-- Up Migration

-- The embedded saga queue leases a delivery to one consumer instead of holding
-- a transaction open while the consumer handles it: a handler writes through
-- its own connection, and PGlite runs one transaction at a time. A lease that
-- runs out (the consumer crashed) makes the delivery available again.
ALTER TABLE messaging.deliveries ADD COLUMN leased_until timestamptz;

GRANT UPDATE (leased_until) ON messaging.deliveries TO palisade_gatekeeper, palisade_inventory;

-- Down Migration

ALTER TABLE messaging.deliveries DROP COLUMN leased_until;
