package dev.duet.controller;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** DESIGN §5: the core holds the rules and does not speak HTTP; the API translates HTTP into calls on it. */
class CoreRoomTest {
    static final ArchRule NO_HTTP = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..", "com.sun.net.httpserver..", "java.net.http..",
                    "dev.duet.api..")
            .because("the controller's rules must not depend on how requests arrive (DESIGN §5)");

    @Test
    void theCoreSpeaksNoHttp() {
        NO_HTTP.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.duet.controller"));
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
