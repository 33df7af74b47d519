import { contextBridge } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('revoada', Object.freeze(createBridge()));
