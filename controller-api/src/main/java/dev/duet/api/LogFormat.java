package dev.duet.api;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/** How {@code serve} writes its log lines on stderr (docs/operations.md, "Logs"): each format is a logback configuration in the jar. */
enum LogFormat {
    TEXT("/logback.xml"),
    JSON("/logback-json.xml");

    private final String configuration;

    LogFormat(String configuration) {
        this.configuration = configuration;
    }

    /** @throws IllegalArgumentException for anything but {@code text} or {@code json} */
    static LogFormat parse(String name) {
        return switch (name) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("--log-format must be text or json");
        };
    }

    /** Configures logging from this format's file, whatever configuration was found on the class path. */
    void apply() {
        URL file = LogFormat.class.getResource(configuration);
        if (file == null) {
            throw new IllegalStateException(configuration + " is missing from the controller's jar");
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(file);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure logging from " + configuration + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes out every queued line and stops logging: the last step of {@code serve}'s shutdown, after the
     * HTTP server has stopped, because Jetty logs a request only once its answer has gone out.
     */
    static void flushAndStop() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
    }
}
