package dev.duet.log;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5: the log knows entries, trees and checkpoints, not CVMs or HTTP; storage lives in
 * {@code log.store} alone, so that the verifiers (which use the rest of this module) carry none of it.
 */
class LogRoomTest {
    static final ArchRule STORAGE_ONLY_IN_STORE = noClasses().that().resideOutsideOfPackage("dev.duet.log.store..")
            .should().dependOnClassesThat().resideInAnyPackage("org.jdbi..", "java.sql..", "org.sqlite..")
            .because("the offline verifiers use this module without its storage");

    static final ArchRule NO_NETWORK = noClasses().should().dependOnClassesThat().resideInAnyPackage("java.net..", "io.javalin..",
            "org.eclipse.jetty..", "com.sun.net.httpserver..").because("the log does not speak HTTP (DESIGN §5)");

    private static JavaClasses main() {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.log");
    }

    @Test
    void storageStaysInTheStore() {
        STORAGE_ONLY_IN_STORE.check(main());
    }

    @Test
    void theLogSpeaksNoNetwork() {
        NO_NETWORK.check(main());
    }

    @Test
    void theRulesCatchATreeThatQueriesTheDatabase() {
        assertThatThrownBy(() -> STORAGE_ONLY_IN_STORE.check(new ClassFileImporter().importClasses(QueriesTheDatabase.class)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("java.sql.Connection");
    }

    static final class QueriesTheDatabase {
        Object size(java.sql.Connection connection) throws java.sql.SQLException {
            return connection.createStatement().executeQuery("select count(*) from entries");
        }
    }
}
