package io.memshift.exporter;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One memory object as read from a source, before validation.
 *
 * @param json      the memory object as found
 * @param position  where it was found, e.g. {@code export.json:42}, for error messages
 * @param scopeUser the user id implied by the file's layout (the key of a map-of-users export), or null
 */
public record SourceMemory(ObjectNode json, String position, String scopeUser) {
}
