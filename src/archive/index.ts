/** Safe extraction of source archives: in memory (readTar*) and onto disk (writeEntries). */
export { readTar, readTarGz, type ReadArchiveOptions } from './read.js';
export { writeEntries } from './write.js';
export { readZip, type ReadZipOptions } from './zip.js';
