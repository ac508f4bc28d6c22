import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes the job's lines to a file, one writer at parallelism 1, so that lines keep the order each window
 * operator emitted them in. A file rather than executeAndCollect: the collect client polls a MiniCluster
 * that shuts down when the job ends, which it reports as possibly lost data; a file is complete once
 * execute() returns.
 */
final class LineFileSink implements Sink<String> {
    private final String path;

    LineFileSink(String path) {
        this.path = path;
    }

    @Override
    public SinkWriter<String> createWriter(WriterInitContext context) throws IOException {
        BufferedWriter file = Files.newBufferedWriter(Path.of(path), StandardCharsets.UTF_8);
        return new SinkWriter<>() {
            @Override
            public void write(String line, Context lineContext) throws IOException {
                file.write(line);
                file.newLine();
            }

            @Override
            public void flush(boolean endOfInput) throws IOException {
                file.flush();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }
}
