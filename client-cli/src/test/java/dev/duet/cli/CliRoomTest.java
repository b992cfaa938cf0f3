package dev.duet.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN §5: what a user runs to verify must not drag in the server's web stack, storage or SSH. */
class CliRoomTest {
    @Test
    void serverLibrariesAreNotOnTheCliClasspath() {
        for (String serverClass : List.of("io.javalin.Javalin", "org.eclipse.jetty.server.Server", "org.jdbi.v3.core.Jdbi",
                "org.sqlite.JDBC", "org.apache.sshd.client.SshClient", "dev.duet.controller.Controller")) {
            assertThatThrownBy(() -> Class.forName(serverClass)).as(serverClass).isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void cliCodeUsesOnlyPureVerificationModules() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.cli");
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.duet.log.store..", "dev.duet.controller..", "dev.duet.provisioner..",
                "io.javalin..", "org.jdbi..", "org.apache.sshd..").check(classes);
    }
}
