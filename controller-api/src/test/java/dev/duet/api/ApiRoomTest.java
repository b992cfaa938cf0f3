package dev.duet.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5: the API translates HTTP and holds no business rules, so it reaches neither the storage
 * nor the CVMs' SSH sessions, nor any module's {@code internal} package.
 */
class ApiRoomTest {
    static final ArchRule NO_STORAGE_OR_SSH = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("org.jdbi..", "java.sql..", "org.sqlite..", "dev.duet.log.store..", "org.apache.sshd..", "dev.duet.provisioner.ssh..")
            .because("storage and SSH sessions belong to the core and the providers (DESIGN §5)");

    static final ArchRule NO_INTERNALS = noClasses().should().dependOnClassesThat().resideInAPackage("..internal..")
            .because("an internal package is for its own module only");

    private static JavaClasses main() {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.api");
    }

    @Test
    void theApiReachesNoStorageAndNoSsh() {
        NO_STORAGE_OR_SSH.check(main());
    }

    @Test
    void theApiUsesNoInternalPackage() {
        NO_INTERNALS.check(main());
    }

    @Test
    void theRulesCatchAHandlerThatReadsTheTables() {
        JavaClasses offender = new ClassFileImporter().importClasses(ReadsTheTables.class);
        assertThatThrownBy(() -> NO_INTERNALS.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("internal.CvmRegistry");
        assertThatThrownBy(() -> NO_STORAGE_OR_SSH.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("org.jdbi");
    }

    static final class ReadsTheTables {
        Object read(dev.duet.controller.internal.CvmRegistry tables, org.jdbi.v3.core.Jdbi jdbi) {
            return tables == null ? jdbi : tables;
        }
    }
}
