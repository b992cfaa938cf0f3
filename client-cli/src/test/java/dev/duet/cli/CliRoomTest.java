package dev.duet.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
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

    /** The API's routes are spelled in one place, so a verb names an operation and a route changes in one file. */
    @Test
    void onlyTheApiClientSpellsARoute() throws IOException {
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            List<String> naming = sources.filter(p -> p.toString().endsWith(".java")).filter(p -> read(p).contains("\"/v1"))
                    .map(p -> p.getFileName().toString()).toList();
            assertThat(naming).as("CLI sources that spell an API route").containsExactly("ControllerApi.java");
        }
    }

    /** A main source file over about 400 lines holds more than one job (issue 10): split it by job before it grows further. */
    @Test
    void noMainSourceIsOverFourHundredLines() throws IOException {
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            List<String> tooLong = sources.filter(p -> p.toString().endsWith(".java")).filter(p -> read(p).lines().count() > 400)
                    .map(p -> p.getFileName() + " (" + read(p).lines().count() + " lines)").toList();
            assertThat(tooLong).as("CLI sources over 400 lines").isEmpty();
        }
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
