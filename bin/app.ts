#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { loadSubjects } from '../functions/core/serde/subject-catalog.js';
import { buildPipelineApp } from '../lib/pipeline-app.js';

const subjects = await loadSubjects(fileURLToPath(new URL('../schemas/', import.meta.url)));
const app = new App();
buildPipelineApp(app, { subjects });
app.synth();
