package dev.duet.attestation;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5: verification is pure, bytes and collateral in, a typed verdict out. Only the collateral
 * sources ({@code attestation.source}: files named by the user, the fetcher) touch disk or network,
 * and nothing on the verification path calls them.
 */
class VerifierRoomTest {
    private static final String SOURCES = "dev.duet.attestation.source..";

    static final ArchRule ONLY_SOURCES_DO_IO = noClasses().that().resideOutsideOfPackage(SOURCES)
            .should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.nio.file..", "java.nio.channels..")
            .orShould().dependOnClassesThat().belongToAnyOf(File.class, FileInputStream.class, FileOutputStream.class, RandomAccessFile.class,
                    ProcessBuilder.class, Runtime.class)
            .because("verification must not read the disk or the network (DESIGN §5)");

    static final ArchRule VERIFICATION_DOES_NOT_FETCH = noClasses().that().resideOutsideOfPackage(SOURCES)
            .should().dependOnClassesThat().resideInAPackage(SOURCES)
            .because("collateral is an input of verification, never something it fetches");

    private static JavaClasses main() {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.attestation");
    }

    @Test
    void onlyTheCollateralSourcesDoIo() {
        ONLY_SOURCES_DO_IO.check(main());
    }

    @Test
    void verificationDoesNotReachForItsSources() {
        VERIFICATION_DOES_NOT_FETCH.check(main());
    }

    @Test
    void theRulesCatchAVerifierThatOpensASocket() {
        JavaClasses offender = new ClassFileImporter().importClasses(OpensASocket.class);
        assertThatThrownBy(() -> ONLY_SOURCES_DO_IO.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("java.net.Socket");
    }

    static final class OpensASocket {
        Object fetch() throws java.io.IOException {
            return new Socket("example.invalid", 443);
        }
    }
}
