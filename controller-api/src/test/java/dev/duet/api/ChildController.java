package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code duet-controller serve} in a JVM of its own, for tests that kill it with SIGKILL. */
/** {@code startup}: what it printed before it listened. */
record ChildController(Process process, int port, List<String> startup) {

    static ChildController start(Path dir, Path data, Path ownerPub, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ControllerMain.class.getName(), "serve", "--data-dir", data.toString(),
                "--owner-key", ownerPub.toString(), "--port", "0"));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command).redirectError(dir.resolve("controller.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> startup = new ArrayList<>();
        String line = out.readLine();
        while (line != null && !line.contains("listening on")) {
            startup.add(line);
            line = out.readLine();
        }
        assertThat(line).as(Files.readString(dir.resolve("controller.err"))).contains("listening on");
        Matcher port = Pattern.compile("https?://127\\.0\\.0\\.1:(\\d+)").matcher(line);
        assertThat(port.find()).isTrue();
        return new ChildController(process, Integer.parseInt(port.group(1)), List.copyOf(startup));
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
}
