package dev.duet.controller;

import java.util.Optional;

/**
 * An owner's file as the body names it: the path, the mode as an octal string (absent for
 * {@code 0644}) and the content in base64. What each may be is the controller's rule
 * ({@link FileTransfers}).
 */
public record FileWriteRequest(String path, Optional<String> mode, String contentBase64) {}
