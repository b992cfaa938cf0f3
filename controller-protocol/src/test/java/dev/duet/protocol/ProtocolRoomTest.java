package dev.duet.protocol;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5: what users run to verify a CVM's state or a log export works offline, from the bytes
 * they give it: no network and none of the controller's storage.
 */
class ProtocolRoomTest {
    static final ArchRule OFFLINE = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("java.net..", "org.jdbi..", "java.sql..", "org.sqlite..", "dev.duet.log.store..")
            .because("verification is offline and does not need the controller's storage");

    @Test
    void verificationIsOfflineAndStorageFree() {
        OFFLINE.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.protocol"));
    }

    @Test
    void theRuleCatchesAVerifierThatReadsTheStore() {
        JavaClasses offender = new ClassFileImporter().importClasses(ReadsTheStore.class);
        assertThatThrownBy(() -> OFFLINE.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("dev.duet.log.store");
    }

    static final class ReadsTheStore {
        Object store(dev.duet.log.store.SqliteStore store) {
            return store;
        }
    }
}
