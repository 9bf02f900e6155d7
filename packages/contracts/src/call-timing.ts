/**
 * Response header of every gatekeeper call: the whole microseconds that the call spent waiting
 * for PostgreSQL (a connection, its statements, its audit write). The web tier subtracts it from
 * the call's duration to time the hop without the database.
 */
export const databaseTimeHeader = 'palisade-database-microseconds';
