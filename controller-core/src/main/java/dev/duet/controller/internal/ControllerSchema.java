package dev.duet.controller.internal;

import dev.duet.log.store.Schema;
import dev.duet.log.store.SqliteAuditLog;

/**
 * The controller's database file: the log's tables and the controller's own, next to each other so
 * one transaction covers both, versioned as one schema (docs/operations.md, "Upgrade"). Version 1
 * is what every release before schema versions made; each later step is a script here, never an
 * edit of an earlier one.
 */
public final class ControllerSchema {
    private static final String DIR = "/dev/duet/controller/schema/";

    public static final Schema SCHEMA = new Schema(java.util.List.of(
            Schema.Step.of(SqliteAuditLog.SCHEMA_1, DIR + "schema-1-controller.sql"),
            Schema.Step.of(DIR + "schema-2-listing.sql"),
            Schema.Step.of(DIR + "schema-3-policies.sql"),
            Schema.Step.of(DIR + "schema-4-governance.sql"),
            Schema.Step.of(SqliteAuditLog.SCHEMA_2),
            Schema.Step.of(DIR + "schema-6-nonces.sql"),
            Schema.Step.of(SqliteAuditLog.SCHEMA_3)));

    private ControllerSchema() {}
}
