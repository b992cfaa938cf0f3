package dev.duet.controller;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.duet.provisioner.ssh.AdoptionFailure;
import dev.duet.provisioner.ssh.SshAdoption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5: the core holds the rules and does not speak HTTP; the API translates HTTP into calls on
 * it, routes included. Inside the core each part keeps to its job (issue 10): only a provider knows
 * how its CVMs come to be, only the registry spells SQL about CVMs, and no source grows past one job.
 */
class CoreRoomTest {
    static final ArchRule NO_HTTP = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..", "com.sun.net.httpserver..", "java.net.http..",
                    "dev.duet.api..")
            .because("the controller's rules must not depend on how requests arrive (DESIGN §5)");

    /** QEMU guests and their evidence are the QEMU provider's business (QemuSupport only builds what it needs). */
    /** The controller's own evidence reads reports through the same configfs-tsm and simulated-chip code, and launches nothing. */
    private static final String SELF_ATTESTATION = "dev\\.duet\\.controller\\.SelfAttestation(\\$.*)?";

    static final ArchRule SELF_ATTESTATION_LAUNCHES_NOTHING = noClasses().that().haveNameMatching(SELF_ATTESTATION)
            .should().dependOnClassesThat().resideInAPackage("dev.duet.provisioner.qemu..")
            .because("the controller's own evidence has nothing to do with how CVMs come to be");

    static final ArchRule ONLY_THE_QEMU_PROVIDER_LAUNCHES = noClasses().that().doNotHaveSimpleName("QemuGuestProvider")
            .and().doNotHaveSimpleName("QemuSupport").and().haveNameNotMatching(SELF_ATTESTATION)
            .should().dependOnClassesThat().resideInAnyPackage("dev.duet.provisioner.qemu..", "dev.duet.provisioner.attest..")
            .because("a provider is the one room that knows how its CVMs come to be");

    static final ArchRule ONLY_THE_SSH_PROVIDER_ADOPTS = noClasses().that().doNotHaveSimpleName("SshProvider")
            .should().dependOnClassesThat().haveFullyQualifiedName(SshAdoption.class.getName())
            .orShould().dependOnClassesThat().haveFullyQualifiedName(AdoptionFailure.class.getName())
            .because("a provider is the one room that knows how its CVMs come to be");

    private static final Set<String> SQL_STATEMENTS = Set.of("createQuery", "createUpdate", "createScript", "createBatch", "prepareBatch",
            "createCall", "execute", "select");

    /**
     * A CVM row is read and changed only through CvmRegistry's named statements; besides the schema,
     * only the two parts that own a table of their own (Bootstrap: the signing key and the owners;
     * OwnerAuthenticator: the nonces) spell SQL.
     */
    static final ArchRule SQL_IN_ITS_PLACES = noClasses().that().resideOutsideOfPackage("dev.duet.controller.internal..")
            .and().doNotHaveSimpleName("Bootstrap").and().doNotHaveSimpleName("OwnerAuthenticator")
            .should().callMethodWhere(DescribedPredicate.describe("a SQL statement on a jdbi Handle",
                    (JavaMethodCall call) -> call.getTargetOwner().isAssignableTo(org.jdbi.v3.core.Handle.class)
                            && SQL_STATEMENTS.contains(call.getName())))
            .because("no part of the controller keeps SQL of its own about CVMs");

    /** Issue 10: one room per job; a file that grows past this is doing more than one. */
    private static final int MAX_LINES = 400;

    private static JavaClasses main() {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.controller");
    }

    @Test
    void theCoreSpeaksNoHttp() {
        NO_HTTP.check(main());
    }

    @Test
    void onlyTheProvidersKnowHowACvmComesToBe() {
        ONLY_THE_QEMU_PROVIDER_LAUNCHES.check(main());
        ONLY_THE_SSH_PROVIDER_ADOPTS.check(main());
        SELF_ATTESTATION_LAUNCHES_NOTHING.check(main());
    }

    @Test
    void theProviderRulesCatchAFacadeThatLaunchesOrAdoptsItself() {
        JavaClasses offender = new ClassFileImporter().importClasses(LaunchesAndAdopts.class);
        assertThatThrownBy(() -> ONLY_THE_QEMU_PROVIDER_LAUNCHES.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("QemuVm");
        assertThatThrownBy(() -> ONLY_THE_SSH_PROVIDER_ADOPTS.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("SshAdoption");
    }

    @Test
    void cvmRowsChangeOnlyThroughTheRegistry() {
        SQL_IN_ITS_PLACES.check(main());
    }

    @Test
    void theSqlRuleCatchesAPartThatSpellsItsOwnStatement() {
        JavaClasses offender = new ClassFileImporter().importClasses(SpellsSql.class);
        assertThatThrownBy(() -> SQL_IN_ITS_PLACES.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("createUpdate");
    }

    static final class SpellsSql {
        void stop(org.jdbi.v3.core.Handle h, String id) {
            h.createUpdate("UPDATE cvms SET mode = 'stopped' WHERE id = :id").bind("id", id).execute();
        }
    }

    static final class LaunchesAndAdopts {
        Object start(dev.duet.provisioner.qemu.QemuVm vm, SshAdoption adoption) {
            return vm == null ? adoption : vm;
        }
    }

    @Test
    void noCoreSourceIsLongerThanOneJob() throws IOException {
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            List<String> tooLong = sources.filter(p -> p.toString().endsWith(".java")).filter(p -> read(p).lines().count() > MAX_LINES)
                    .map(p -> p.getFileName() + " (" + read(p).lines().count() + " lines)").toList();
            assertThat(tooLong).as("core sources over " + MAX_LINES + " lines").isEmpty();
        }
    }

    /**
     * The HTTP layer names routes; the core acts on typed requests. A string constant is not a
     * dependency ArchUnit can see, so this reads the core's sources.
     */
    @Test
    void theCoreNamesNoRoute() throws IOException {
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            List<String> naming = sources.filter(p -> p.toString().endsWith(".java")).filter(p -> read(p).contains("\"/v1")).map(Path::toString).toList();
            assertThat(naming).as("core sources that spell an API route").isEmpty();
        }
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theRuleCatchesCoreCodeThatAnswersHttp() {
        JavaClasses offender = new ClassFileImporter().importClasses(AnswersHttp.class);
        assertThatThrownBy(() -> NO_HTTP.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("java.net.http");
    }

    static final class AnswersHttp {
        Object fetch(java.net.http.HttpClient client) {
            return client.version();
        }
    }
}
