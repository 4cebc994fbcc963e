#!/usr/bin/env node
import { createApp } from '../lib/stack/app.ts';

createApp().app.synth();
