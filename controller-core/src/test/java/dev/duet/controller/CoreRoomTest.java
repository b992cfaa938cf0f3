package dev.duet.controller;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** DESIGN §5: the core holds the rules and does not speak HTTP; the API translates HTTP into calls on it, routes included. */
class CoreRoomTest {
    static final ArchRule NO_HTTP = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..", "com.sun.net.httpserver..", "java.net.http..",
                    "dev.duet.api..")
            .because("the controller's rules must not depend on how requests arrive (DESIGN §5)");

    @Test
    void theCoreSpeaksNoHttp() {
        NO_HTTP.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.controller"));
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
