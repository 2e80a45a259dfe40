package io.memshift.importer;

import io.memshift.schemas.EmbeddedMemoryEvent;

/** An event Elasticsearch refused for a reason retrying cannot fix. */
record RejectedItem(EmbeddedMemoryEvent event, int status, String reason) {
}
