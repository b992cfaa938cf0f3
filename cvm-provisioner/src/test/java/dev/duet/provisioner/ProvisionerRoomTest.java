package dev.duet.provisioner;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5: providers create, adopt and reach CVMs; they do not decide policy, keep records or
 * serve HTTP. Those are the core's and the API's.
 */
class ProvisionerRoomTest {
    static final ArchRule MECHANISM_ONLY = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("dev.duet.controller..", "dev.duet.log..", "dev.duet.api..", "org.jdbi..", "java.sql..", "io.javalin..",
                    "org.eclipse.jetty..")
            .because("a provider is mechanism; policy, records and HTTP live in the core and the API (DESIGN §5)");

    @Test
    void providersAreMechanismOnly() {
        MECHANISM_ONLY.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.provisioner"));
    }

    @Test
    void theRuleCatchesAProviderThatKeepsRecords() {
        JavaClasses offender = new ClassFileImporter().importClasses(KeepsRecords.class);
        assertThatThrownBy(() -> MECHANISM_ONLY.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("java.sql");
    }

    static final class KeepsRecords {
        Object record(java.sql.Connection connection) {
            return connection;
        }
    }
}
