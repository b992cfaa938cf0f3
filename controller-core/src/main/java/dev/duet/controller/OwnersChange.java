package dev.duet.controller;

import java.util.List;

/** The owner keys in force after a change, their threshold, and the {@code owners.changed} entry that logged it. */
public record OwnersChange(List<String> keyIds, int threshold, long logIndex) {
    public OwnersChange {
        keyIds = List.copyOf(keyIds);
    }
}
